/** The path of a usable Chromium, or undefined (after printing why) when there is none. */
export function findChromium(options?: { install?: boolean }): string | undefined
