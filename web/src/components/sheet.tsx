import { useEffect, useId, useRef, type MouseEvent, type ReactNode } from 'react';
import { useText } from '../i18n.tsx';

/**
 * A modal sheet rising from the bottom of the screen: a native `<dialog>` (focus kept inside,
 * Esc closes it, the page behind is inert), named by its heading. Focus returns to whatever
 * opened it, when that is still on the page.
 */
export function Sheet({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const { t } = useText();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return undefined;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    dialog.querySelector<HTMLElement>('.sheet-title')?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  // A tap on the backdrop (outside the sheet's body) closes it, as on a phone's own sheets.
  const onBackdrop = (event: MouseEvent<HTMLDialogElement>) => {
    if (event.target === event.currentTarget) onClose();
  };

  return (
    <dialog
      ref={ref}
      className="sheet"
      aria-labelledby={titleId}
      onClick={onBackdrop}
      onCancel={(event) => {
        event.preventDefault(); // React decides when it closes
        onClose();
      }}
    >
      <div className="sheet-body">
        <div className="sheet-head">
          <h2 id={titleId} className="sheet-title" tabIndex={-1}>
            {title}
          </h2>
          <button type="button" className="sheet-close" aria-label={t.close} onClick={onClose}>
            <span aria-hidden="true">×</span>
          </button>
        </div>
        {children}
      </div>
    </dialog>
  );
}
