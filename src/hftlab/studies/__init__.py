"""Studies: experiments that run backtests and simulations end to end (above analytics,
beside report), e.g. `regime_backtest`, the out-of-sample regime-switched spread study.

Import a study's module directly (``from hftlab.studies.regime_backtest import ...``):
this package imports nothing itself, so ``import hftlab.studies`` stays light."""
