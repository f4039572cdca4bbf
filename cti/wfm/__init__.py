"""Workforce management: contact volume per interval, forecasts, staffing.

    series.py     IntervalSeries: offered, answered, abandoned, handle time and
                  waits per (local day, interval of the day) for one queue and channel
    history.py    the SQL that builds it from call_records (the only SQL here)
    methods.py    forecasting methods: seasonal naive, historical average,
                  Holt-Winters, MSTL, daily total x intraday profile
    backtest.py   rolling-origin backtest on WAPE; picks a method per queue
    forecast.py   the forecast of a queue: volume, handle time, patience, holidays
    staffing.py   agents per interval (Erlang C or Erlang A), shrinkage
    intraday.py   forecast vs actual so far today, re-forecast of the rest (pure)
    generate.py   synthetic history (a year of arrivals, call records) for tests
    plot.py       PNG / SVG of volume and staff (matplotlib, Agg)
    plan.py       what the CLI calls: load, forecast, staff
    params.py     what ``cti forecast`` / ``cti staffing`` may ask, checked before any read
    buckets.py    Bucket: one interval's figures from the history query (no numpy)
    jobs.py       what the REST API's worker process runs (plain values in and out)
    cli.py        ``cti forecast`` and ``cti staffing``

Everything but ``intraday``, ``errors``, ``params``, ``buckets``, ``history``, ``jobs`` (whose
functions import the rest inside) and ``cli`` needs the ``wfm`` extra
(numpy, statsmodels, matplotlib): import those modules lazily.
"""
