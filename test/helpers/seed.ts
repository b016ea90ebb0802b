/** The 11 seed services every city offers (DESIGN.md), as the tests expect them, independent of the catalog code. */
export const SEED_SERVICE_IDS: readonly string[] = [
  'traffic.violations',
  'traffic.violation-reminders',
  'traffic.licence',
  'traffic.inspection-booking',
  'traffic.road-conditions',
  'living.utility-bills',
  'medical.hospital-registration',
  'social.insurance',
  'culture.library-loans',
  'civil.marriage-booking',
  'civil.exit-entry-progress',
];
