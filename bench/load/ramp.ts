/** Phase 1: the ingestion ceiling, stepping the scrape interval down on both paths. */
import { type Running } from '../../tools/proc.js';
import { INTERVALS_S, SERIES, SETTLE_S, TARGETS, WINDOW_S, Window, log, measure, procs, sleep } from './harness.js';
import { setBareInterval, setRenderedInterval, startBare, startRendered, waitAllUp } from './systems.js';

// --- phase 1: ingestion ceiling ------------------------------------------------------------

export interface RampStep extends Window {
  config: string;
  run: number;
  intervalS: number;
  offered: number;
  keptUp: boolean;
}

/**
 * One ramp of a configuration. `bare` may name another Prometheus binary (`command`) and the label
 * its steps carry instead of `bare`: the versions phase ramps two releases alike.
 */
export async function ramp(kind: 'bare' | 'rendered', run: number, bare: { command?: string; label?: string } = {}): Promise<RampStep[]> {
  const rendered = kind === 'rendered' ? await startRendered(INTERVALS_S[0]!) : undefined;
  const prom = rendered?.prom ?? (await startBare(INTERVALS_S[0]!, bare.command));
  await waitAllUp(prom);
  const steps: RampStep[] = [];
  for (const intervalS of INTERVALS_S) {
    if (rendered) await setRenderedInterval(rendered.stack, prom, intervalS);
    else await setBareInterval(prom, intervalS);
    await sleep(SETTLE_S * 1000);
    const w = await measure(prom, WINDOW_S);
    const offered = (SERIES + 5 * TARGETS) / intervalS; // + up, scrape_duration_seconds, ... per target
    const keptUp = w.samplesPerSec >= 0.95 * offered && w.scrapeMaxS < intervalS;
    const config = bare.label ?? kind;
    steps.push({ config, run, intervalS, offered, keptUp, ...w });
    log(
      `${config} run ${run} @${intervalS}s: ${Math.round(w.samplesPerSec)} of ${Math.round(offered)} samples/s, ${w.cpuCores.toFixed(2)} cores, RSS ${(w.rssBytes / 2 ** 30).toFixed(2)} GiB, scrape avg ${w.scrapeAvgS.toFixed(3)} s max ${w.scrapeMaxS.toFixed(3)} s${keptUp ? '' : '  (did not keep up)'}`,
    );
  }
  if (rendered) await rendered.stack.stop();
  else await stopBare(prom);
  return steps;
}

export async function stopBare(prom: Running): Promise<void> {
  await prom.stop();
  procs.splice(procs.indexOf(prom), 1);
}
