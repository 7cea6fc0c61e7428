"""Loss in accuracy against the L2 size of adversarial perturbations
(Lelekas et al., "Top-Down Networks", Fig. 6)."""


def plot_accuracy_loss(result, path):
    """Save one panel per attack, one curve per model, from the result of
    :func:`mmfg.analysis.robustness_benchmark` (``attack.json``)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    names = list(result['models'][0]['attacks'])
    cols = min(len(names), 3)
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(
        rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    eps = result['epsilons']
    for ax, name in zip(axes.flat, names):
        for m in result['models']:
            loss = [100 * v for v in m['attacks'][name]['loss_in_accuracy']]
            ax.plot(
                eps,
                loss,
                marker='o',
                ms=3,
                label=f"{m['name']} ({100 * m['clean_accuracy']:.1f}%)")
        ax.set_title(name)
        ax.set_xlabel('L2 perturbation (pixels in [0, 1])')
        ax.set_ylabel('loss in accuracy (%)')
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(names):]:
        ax.axis('off')
    axes.flat[0].legend(fontsize=7)
    scale = result['scale']
    fig.suptitle('perturbing ' + (
        'all inputs' if scale == 'all' else f'TD input scale {scale} only'))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
