/** Every action_id, callback_id and block_id the app sends and listens for. */
export const ActionIds = {
  approve: 'signoff_approve',
  reject: 'signoff_reject',
  withdraw: 'signoff_withdraw',
  ship: 'release_ship',
  auditOlder: 'audit_older',
  exceptionApprove: 'exception_approve',
  exceptionDeny: 'exception_deny',
  devenvDelete: 'devenv_delete',
  devenvShowManifests: 'devenv_show_manifests',
  devenvExtend: 'devenv_extend',
  homeFreeze: 'release_freeze',
  remind: 'release_remind',
} as const;

export const CallbackIds = {
  rejectModal: 'signoff_reject_modal',
} as const;

export const BlockIds = {
  rejectReason: 'reject_reason',
} as const;

export const InputActionIds = {
  rejectReason: 'reject_reason_input',
} as const;
