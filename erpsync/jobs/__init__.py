"""Background work: RQ queues and workers, the registry of job kinds, run locks, the schedule tick,
the outbox dispatcher, and the same job functions run inline when there is no Redis.

Entry points: ``erpsync.jobs.runner.run_job`` (what workers run), ``erpsync.jobs.cron`` (``rq cron``
config), ``erpsync.jobs.loop`` (``erpsync scheduler`` / ``erpsync run``), ``erpsync.jobs.kinds``
(the registrations).
"""
