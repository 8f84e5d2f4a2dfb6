package org.dpdl4j.core.audit;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.DpSgdTrainer;
import org.nd4j.linalg.dataset.DataSet;

/**
 * How an audit obtains the trainer it audits. The default is {@link DpSgdTrainer#makePrivate}, the
 * production entry point; an audit never trains by any other code than the trainer this returns.
 *
 * <p>Privacy assumption: the factory returns the trainer whose guarantee is being audited; its
 * {@link DpSgdTrainer#epsilon()} is the claim the audit tests.
 */
@FunctionalInterface
public interface TrainerFactory {

    /** The production trainer. */
    TrainerFactory PRODUCTION = DpSgdTrainer::makePrivate;

    DpSgdTrainer create(MultiLayerNetwork net, DataSet data, DpSgdConfig config);
}
