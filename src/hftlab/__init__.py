"""hftlab: a tick-level lab for high-frequency trading research."""

import os

# Arrow allocates with the C library's malloc unless the process says otherwise, when
# pyarrow is first imported after hftlab (data/store.py _system_allocator says why)
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

from hftlab import _kernel_cache  # noqa: E402
from hftlab._lazy import lazy_exports  # noqa: E402

_kernel_cache.refresh()  # drop cached kernels compiled against older sources

__version__ = "0.1.0"
_EXPORTS = {
    "backtest": "hftlab.engine.backtest",
    "MarketData": "hftlab.data.market",
    "QueueModel": "hftlab.engine.queue",
    "RunRecord": "hftlab.engine.record",
    "FeeSchedule": "hftlab.instruments",
    "Instrument": "hftlab.instruments",
    "Latency": "hftlab.instruments",
    "LatencyProfile": "hftlab.instruments",
    "LatencySpike": "hftlab.instruments",
    "Venue": "hftlab.instruments",
    "CompiledStrategy": "hftlab.strategy",
    "Context": "hftlab.strategy",
    "Strategy": "hftlab.strategy",
    "Book": "hftlab.strategy",
    "BookId": "hftlab.strategy",
    "Wake": "hftlab.schema",
    **{sub: f"hftlab.{sub}" for sub in ("analytics", "book", "data", "report", "risk", "scale",
                                         "sim", "strategies", "stress", "surveillance")},
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
