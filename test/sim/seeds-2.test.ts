/** Simulation seeds 501–1000 (four files, so Vitest spreads them over the cores). */
import { seedBlock } from './seeds'

seedBlock(501, 500)
