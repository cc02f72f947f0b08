/** Simulation seeds 1501–2000 (four files, so Vitest spreads them over the cores). */
import { seedBlock } from './seeds'

seedBlock(1501, 500)
