"""GreenLang monitoring SDK: batch-job metrics through PushGateway; request and agent-run metrics of services."""

from .pushgateway import BatchJobMetrics, JobTerminated, PushError
from .service import AgentMetrics, ServiceMetrics

__all__ = ["AgentMetrics", "BatchJobMetrics", "JobTerminated", "PushError", "ServiceMetrics"]
