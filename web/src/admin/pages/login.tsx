import { useId, useState, type FormEvent } from 'react';
import { ApiError, adminApi, adminPaths, NETWORK_ERROR, saveToken } from '../admin-api.ts';
import { ErrorNotice } from '../components.tsx';
import { useTexts } from '../lang.tsx';

/** The operator token form; `refusal` is why the hub sent the operator back here. */
export function LoginPage({ refusal }: { refusal: ApiError | null }) {
  const { t } = useTexts();
  const id = useId();
  const [value, setValue] = useState('');
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const shown = error ?? refusal;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const token = value.trim();
    if (!token || checking) return;
    setChecking(true);
    setError(null);
    try {
      // The reminder counts are a cheap operator-only read: they tell whether the token is good.
      await adminApi(adminPaths.reminders(), { token });
      saveToken(token);
    } catch (failure) {
      const refused = failure instanceof ApiError ? failure : new ApiError(0, NETWORK_ERROR, String(failure));
      if (refused.status === 401 || refused.status === 403) setError(refused);
      else saveToken(token); // the token may well be good; the pages show what else is wrong
    } finally {
      setChecking(false);
    }
  };

  return (
    <div className="login">
      <h1 tabIndex={-1}>{t.loginTitle}</h1>
      <p>{t.loginIntro}</p>
      {shown ? (
        <>
          <p className="text-bad">{t.tokenRefused}</p>
          <ErrorNotice error={shown} />
        </>
      ) : null}
      <form onSubmit={submit} className="login-form">
        <label htmlFor={id}>{t.tokenLabel}</label>
        <input id={id} type="password" autoComplete="current-password" required minLength={1} value={value} onChange={(event) => setValue(event.target.value)} aria-invalid={shown ? true : undefined} />
        <button type="submit" className="button">
          {checking ? t.checkingToken : t.submitToken}
        </button>
      </form>
    </div>
  );
}
