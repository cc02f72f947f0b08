/** Simulation seeds 1001–1500 (four files, so Vitest spreads them over the cores). */
import { seedBlock } from './seeds'

seedBlock(1001, 500)
