"""The wiring of the Classification process (Gaard `/api/classify`,
`/api/result`): one engine and repository, the spool of waiting videos, the
video classifier on an inference client, the domain with its workers, and
the servicer. `python -m services.classification` runs it; tests and
benchmarks use the same wiring."""

from __future__ import annotations

from services.auth.interceptor import TenantInterceptor
from services.classification.analysis import Thresholds
from services.classification.classifier import ClassifierConfig, VideoClassifier
from services.classification.domain import Classifications, Limits
from services.classification.intake import Intake, Spool
from services.classification.repository import ClassificationsRepository
from services.classification.servicer import ClassificationServicer
from services.classification.video import SamplingPlan
from services.common.server import Built, Registration
from services.common.settings import ClassificationSettings, Settings
from services.db.engine import make_engine
from services.inference_client import InferenceClient
from vigil.classification.v1 import classification_service_pb2_grpc

SERVICE = "vigil.classification.v1.ClassificationService"


def classifier_config(settings: ClassificationSettings) -> ClassifierConfig:
    """How videos are sampled, batched and judged, from the settings."""
    return ClassifierConfig(
        plan=SamplingPlan(
            sample_fps=settings.sample_fps,
            frame_height=settings.frame_height,
            max_seconds=settings.max_seconds,
            text_frames=settings.text_frames,
        ),
        batch_size=settings.batch_size,
        thresholds=Thresholds(low=settings.low_threshold, high=settings.high_threshold, label=settings.label_threshold),
        inference_wait_seconds=settings.inference_wait_seconds,
    )


def build(settings: Settings) -> Built:
    """The servicer and the domain, on one repository, spool, classifier and
    inference client; unfinished classifications are recovered before the
    server serves, the workers run beside it, the client closes after it."""
    own = settings.classification
    client = InferenceClient(settings.grpc_target("inference"))
    repo = ClassificationsRepository(make_engine(settings.sqlalchemy_url))
    spool = Spool(settings.data_dir / "classification")
    domain = Classifications(
        repo,
        spool,
        VideoClassifier(client, classifier_config(own)),
        Limits(
            max_seconds=own.max_seconds,
            workers=own.workers,
            queue_size=own.queue_size,
            max_attempts=own.max_attempts,
        ),
    )
    intake = Intake(spool, own.max_bytes, settings.max_string_length)
    servicer = ClassificationServicer(domain, intake)
    return Built(
        registrations=[
            Registration(servicer, classification_service_pb2_grpc.add_ClassificationServiceServicer_to_server, SERVICE)
        ],
        start=domain.recover,
        background=[domain.run],
        stop=client.close,
        # A verified Bearer token's tenant wins over the one the request names.
        interceptors=[TenantInterceptor()],
    )
