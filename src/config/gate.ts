import { booleanFlag, commaList, duration, type Parsed } from './fields.js';

/** The freeze gate pipelines ask. */
export const gateFields = {
  GATE_API_TOKEN: commaList.default([]),
  GATE_FIX_TYPES: commaList.default(['Bug']),
  GATE_ENVIRONMENTS: commaList.default(['preprod']),
  GATE_FAIL_OPEN: booleanFlag,
  GATE_ISSUE_CACHE: duration('30s'),
};

export interface GateConfig {
  tokens: string[];
  fixTypes: string[];
  environments: string[];
  failOpen: boolean;
  issueCacheSeconds: number;
}

export function gateConfig(e: Parsed<typeof gateFields>): GateConfig {
  return {
    tokens: e.GATE_API_TOKEN,
    fixTypes: e.GATE_FIX_TYPES,
    environments: e.GATE_ENVIRONMENTS,
    failOpen: e.GATE_FAIL_OPEN,
    issueCacheSeconds: e.GATE_ISSUE_CACHE,
  };
}
