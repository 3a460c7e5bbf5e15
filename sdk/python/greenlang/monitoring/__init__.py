"""GreenLang monitoring SDK: batch-job metrics through PushGateway."""

from .pushgateway import BatchJobMetrics, JobTerminated, PushError

__all__ = ["BatchJobMetrics", "JobTerminated", "PushError"]
