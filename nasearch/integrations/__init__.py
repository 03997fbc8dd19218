"""Bridges to AutoML frameworks (optional extras): ``optuna`` (Optuna sampler) and ``tune``
(Ray Tune searcher). Each module imports its framework and says how to install it when absent."""
