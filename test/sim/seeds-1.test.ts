/** Simulation seeds 1–500 (four files, so Vitest spreads them over the cores). */
import { seedBlock } from './seeds'

seedBlock(1, 500)
