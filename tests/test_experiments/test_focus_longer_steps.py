"""experiments.focus_longer.steps (Focus-Longer Tables 3 and 5, evaluation
protocols): one pass over the test set reproduces the model's own
prediction, and every variant equals the head on the hand-aggregated LSTM
states."""
import copy

import pytest
import torch

from experiments.focus_longer.steps import (collect_step_states,
                                            evaluate_variant, format_report,
                                            step_report, variant_scores)
from mmfg.utils import ConfigError
from ..test_models.test_classifiers.test_focus_longer import (batch, raw_batch,
                                                              two_stream)


def test_step_analysis_matches_the_model_and_the_neck():
    valid = [[True, False, True], [True, True, True], [False, True, True],
             [True, True, False], [False, False, False]]
    loader = [raw_batch(n=5, valid=valid, seed=s) for s in range(2)]
    for b, batch_ in enumerate(loader):  # distinct sample_idx
        for i, s in enumerate(batch_['data_samples']):
            s.set_metainfo(dict(sample_idx=5 * b + i))
    for protocol in ('mean', 'first', 'random'):
        model = two_stream(eval_protocol=protocol).eval()
        collected = collect_step_states(model, copy.deepcopy(loader))
        assert collected['states'].shape == (10, 3, 4, 8)
        # the trained aggregation reproduces the model's own prediction
        fused, _ = variant_scores(model, collected, 'attention', None,
                                  protocol)
        torch.testing.assert_close(
            fused.softmax(-1), collected['model_scores'], rtol=1e-5, atol=1e-6)
    # step T = last, sum 1..1 = step 1, against the model's modules
    _, _, crops = batch(n=2, k=1)
    with torch.no_grad():
        states = model.local_neck.step_states(
            model.local_backbone(crops['parts'][:, 0])[-1])
    coll = dict(
        states=states[:, None],
        valid=torch.ones(2, 1, dtype=torch.bool),
        global_logits=None,
        labels=torch.tensor([0, 1]),
        sample_idx=torch.tensor([0, 1]))
    model.global_weight = 1.
    for how, k, ref in (('step', 4, states[:, -1]), ('last', None, states[:,
                                                                          -1]),
                        ('sum', 1, states[:, 0]), ('sum', 3,
                                                   states[:, :3].sum(1))):
        _, local = variant_scores(model, coll, how, k, 'mean')
        torch.testing.assert_close(local, model.local_head.fc(ref))
    rows = dict(step_report(model, collected, ('mean', )))
    assert 'attention (trained)' in rows and 'step 4' in rows
    assert rows['sum 1..1'] == rows['step 1']
    assert evaluate_variant(model, collected, 'step', 4,
                            ('mean', )) == rows['step 4']


def test_report_table_and_wrong_model():
    rows = [('step 1', dict(mean=dict(fused=75.5, local=68.25)))]
    text = format_report(rows, ('mean', ), own_accuracy=80., profile=[.5])
    assert '| step 1 | 75.50 | 68.25 |' in text
    assert 'own prediction (its configured protocol): 80.00' in text
    with pytest.raises(ConfigError, match='RecurrentAttentionNeck'):
        collect_step_states(two_stream(local_neck=None), [])
