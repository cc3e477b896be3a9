// Defect flags: signs, computed without a model, that a caption is likely wrong. The enumeration and the
// labels are defined once here (the host computes the flags, the webview shows them as badges and filters).

export const DEFECT_FLAGS = [
  'length-limit',
  'repetition',
  'stock-phrase',
  'ssc-longer',
  'no-shared-words',
  'length-outlier',
  'low-score',
] as const;

export type DefectFlag = (typeof DEFECT_FLAGS)[number];

export const DEFECT_FLAG_LABELS: Readonly<Record<DefectFlag, string>> = {
  'length-limit': 'stopped at the token limit',
  repetition: 'repetition loop',
  'stock-phrase': 'stock opening or closing phrase',
  'ssc-longer': 'SSC longer than its DSC',
  'no-shared-words': 'SSC and DSC share no content word',
  'length-outlier': 'length far from the others',
  'low-score': 'among the lowest alignment scores',
};

/** One bit per flag, in DEFECT_FLAGS order: a record's flags fit one small integer column. */
export function defectBit(flag: DefectFlag): number {
  return 1 << DEFECT_FLAGS.indexOf(flag);
}

export function flagsOfBits(bits: number): DefectFlag[] {
  return DEFECT_FLAGS.filter((flag) => (bits & defectBit(flag)) !== 0);
}

export function isDefectFlag(value: unknown): value is DefectFlag {
  return typeof value === 'string' && (DEFECT_FLAGS as readonly string[]).includes(value);
}
