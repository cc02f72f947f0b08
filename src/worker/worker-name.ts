/**
 * The SharedWorker's name carries the protocol version and the hub config, so tabs built
 * against another version (or config) never share a worker with this one.
 */
import type { HubConfig } from '../hub'

/** @public The name tabs give the SharedWorker. */
export function workerName(version: number, config: Partial<HubConfig>): string {
  return `persistent-chat@${version} ${JSON.stringify(config)}`
}

/** @public Read the config back out of a worker name; a malformed name gives the defaults. */
export function configFromWorkerName(name: string): Partial<HubConfig> {
  const json = name.slice(name.indexOf(' ') + 1)
  try {
    const parsed: unknown = JSON.parse(json)
    return typeof parsed === 'object' && parsed !== null ? (parsed as Partial<HubConfig>) : {}
  } catch {
    return {}
  }
}
