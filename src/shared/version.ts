// The release's version, from package.json: the build defines it; run from source (tests, tsx) it says so.
declare const RECAPTION_PACKAGE_VERSION: string | undefined;

export const RECAPTION_VERSION: string = typeof RECAPTION_PACKAGE_VERSION === 'string' ? RECAPTION_PACKAGE_VERSION : '0.0.0-source';
