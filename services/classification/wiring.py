"""The wiring of the Classification process (Gaard `/api/classify`,
`/api/result`): one engine and repository, the spool of waiting videos, the
video classifier on an inference client, the domain with its workers, and
the servicer. `python -m services.classification` runs it; tests and
benchmarks use the same wiring."""

from __future__ import annotations

from services.classification.analysis import Thresholds
from services.classification.classifier import ClassifierConfig, VideoClassifier
from services.classification.domain import Classifications, Limits
from services.classification.intake import Intake, Spool
from services.classification.repository import ClassificationsRepository
from services.classification.servicer import ClassificationServicer
from services.classification.video import SamplingPlan
from services.common.server import Registration
from services.common.settings import Settings
from services.db.engine import make_engine
from services.inference_client import InferenceClient
from vigil.classification.v1 import classification_service_pb2_grpc

SERVICE = "vigil.classification.v1.ClassificationService"


def classifier_config(settings: Settings) -> ClassifierConfig:
    """How videos are sampled, batched and judged, from the settings."""
    return ClassifierConfig(
        plan=SamplingPlan(
            sample_fps=settings.classify_sample_fps,
            frame_height=settings.classify_frame_height,
            max_seconds=settings.classify_max_seconds,
            text_frames=settings.classify_text_frames,
        ),
        batch_size=settings.classify_batch_size,
        thresholds=Thresholds(
            low=settings.classify_low_threshold,
            high=settings.classify_high_threshold,
            label=settings.classify_label_threshold,
        ),
        inference_wait_seconds=settings.classify_inference_wait_seconds,
    )


def wire(settings: Settings, client: InferenceClient) -> tuple[Registration, Classifications]:
    """The servicer and the domain, on one repository, spool and classifier."""
    repo = ClassificationsRepository(make_engine(settings.sqlalchemy_url))
    spool = Spool(settings.data_dir / "classification")
    domain = Classifications(
        repo,
        spool,
        VideoClassifier(client, classifier_config(settings)),
        Limits(
            max_seconds=settings.classify_max_seconds,
            workers=settings.classify_workers,
            queue_size=settings.classify_queue_size,
            max_attempts=settings.classify_max_attempts,
        ),
    )
    intake = Intake(spool, settings.classify_max_bytes, settings.max_string_length)
    servicer = ClassificationServicer(domain, intake)
    return Registration(
        servicer, classification_service_pb2_grpc.add_ClassificationServiceServicer_to_server, SERVICE
    ), domain
