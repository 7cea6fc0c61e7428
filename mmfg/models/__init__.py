"""mmfg models: backbones, necks, heads and classifiers registered in
``mmfg.registry.MODELS`` (filled by the method packages)."""
