/** The workspace the playground starts with: enough people and roles for freeze → approve → ship. */

export interface PlaygroundUser {
  id: string;
  name: string;
  /** What they do, shown in the user switcher. */
  role: string;
  /** The IANA zone the page uses when it cannot tell the viewer's own. */
  tz: string;
}

export const BOT_USER_ID = 'UPLAYBOT0';
export const TEAM_ID = 'TPLAYGRND';
export const APP_ID = 'APLAYGRND';
export const RELEASES_CHANNEL = { id: 'C0RELEASES', name: 'releases' } as const;

export const USERS: readonly PlaygroundUser[] = [
  { id: 'UMAYA0001', name: 'maya', role: 'release manager', tz: 'Europe/Berlin' },
  { id: 'UQUINN001', name: 'quinn', role: 'QA', tz: 'Europe/Berlin' },
  { id: 'URUTH0001', name: 'ruth', role: 'QA', tz: 'America/New_York' },
  { id: 'UPRIYA001', name: 'priya', role: 'product owner', tz: 'Europe/London' },
  { id: 'UDANA0001', name: 'dana', role: 'developer', tz: 'Europe/Berlin' },
  { id: 'UDEVON001', name: 'devon', role: 'developer', tz: 'Asia/Kolkata' },
];

export const GROUPS: readonly { id: string; handle: string; members: readonly string[] }[] = [
  { id: 'SQATEAM01', handle: 'qa-team', members: ['UQUINN001', 'URUTH0001'] },
  { id: 'SRELMGRS1', handle: 'release-managers', members: ['UMAYA0001'] },
];

/** Settings the playground gives the bot unless the environment says otherwise. */
export const SEEDED_SETTINGS = {
  RELEASE_MANAGERS: 'SRELMGRS1',
  // One QA approval and the product owner's: the walk-through is freeze → approve → ship.
  SIGNOFF_ROLES: 'qa=SQATEAM01:1;product=UPRIYA001:1',
} as const;

export function userById(id: string): PlaygroundUser | undefined {
  return USERS.find((u) => u.id === id);
}
