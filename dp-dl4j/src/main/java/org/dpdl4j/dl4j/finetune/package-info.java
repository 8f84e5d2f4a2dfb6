/**
 * Private fine-tuning strategies as accounted schedules of phases: surgical fine-tuning of chosen
 * layers, DP-LP-FT (private linear probe, then DP-SGD from that head), alternating encoder/decoder
 * rounds, and Auto-RGN per-tensor learning rates.
 *
 * <ul>
 *   <li>{@link org.dpdl4j.dl4j.finetune.LayerSelection}: which layers train (index, name, block, first /
 *       middle block, last layer, unions).</li>
 *   <li>{@link org.dpdl4j.dl4j.finetune.DpSgdPhase} and {@link org.dpdl4j.dl4j.finetune.HeadPhase}: one
 *       private mechanism each, with its own σ, C, q and steps.</li>
 *   <li>{@link org.dpdl4j.dl4j.finetune.Schedule} with a {@link org.dpdl4j.dl4j.finetune.BudgetSplit}:
 *       σ's planned so that all phases compose (tight PLD accountant) within the total (ε, δ);
 *       {@link org.dpdl4j.dl4j.finetune.Strategies} builds the standard ones.</li>
 *   <li>{@link org.dpdl4j.dl4j.finetune.FineTuner}: runs a schedule, one ledger for all phases, each
 *       phase under its own label; untrained parameters are verified bit-identical after every phase.</li>
 *   <li>{@link org.dpdl4j.dl4j.finetune.AutoRgn}: relative gradient norms from public data or from the
 *       released noisy gradients with the known noise variance subtracted.</li>
 * </ul>
 *
 * <p>Privacy assumption, for the whole package: the starting network does not depend on the private
 * data (pretrained on public data, or earlier DP releases recorded in the same ledger), and every
 * choice (strategy, layers, hyperparameters, split) is made without looking at the private data.
 */
package org.dpdl4j.dl4j.finetune;
