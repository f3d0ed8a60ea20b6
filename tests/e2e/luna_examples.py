"""The request examples of the LUNA Streams document (../shared/seeds/002),
as the document gives them."""

from __future__ import annotations

import copy
from typing import Any

TOKEN = (
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ0b2tlbklkIjoiN2Q0MjYwNmEtZmM3NS00NDU4LWE3OGUtOWYzNGM2MjIyZWQyIiwiZXhwaX"
    "JhdGlvblRpbWUiOm51bGwsImFjY291bnRJZCI6IjdkYjUzNThiLWZjMzMtNDIwZC1hYTgzLTk5YTRkOWY0MGM0MSJ9.kDL5oLTJaxKyYbwmKV1le"
    "jxrzsFoFzx5VOzvTR-i90k"
)
ZERO_REGION = {"x": 0, "y": 0, "width": 0, "height": 0, "mode": "abs"}
WIDE_REGION = {"x": 65536, "y": 65536, "width": 65536, "height": 65536, "mode": "abs"}
LOCATION = {
    "city": "Moscow",
    "area": "Central",
    "district": "Basmanny",
    "street": "Podsosensky lane",
    "house_number": "23 bldg.3",
    "geo_position": {"longitude": 36.616, "latitude": 55.752},
}
EVENT_HANDLER_V1 = {
    "api_version": 6,
    "bestshot_handler": {"handler_id": "ee4c42b6-23ae-410e-a2aa-a4220e64ba4b"},
    "detection_handler": {"handler_id": "426542d6-5509-4e5b-8a01-e2abd5c0a8c6"},
    "authorization": {"token": TOKEN},
}


def _policies(timeout: int, weights: list[float]) -> dict[str, Any]:
    return {
        "sending": {
            "time_period_of_searching": -1,
            "silent_period": 0,
            "type": "sec",
            "number_of_bestshots_to_send": 1,
            "send_only_full_set": True,
            "delete_track_after_sending": False,
        },
        "primary_track_policy": {
            "use_primary_track_policy": False,
            "best_shot_min_size": 70,
            "best_shot_proper_size": 140,
        },
        "liveness": {
            "use_shoulders_liveness_filtration": False,
            "use_mask_liveness_filtration": False,
            "use_flying_faces_liveness_filtration": False,
            "liveness_mode": 0,
            "number_of_liveness_checks": 10,
            "liveness_threshold": 0.6,
            "livenesses_weights": weights,
            "mask_backgrounds_count": 300,
        },
        "filtering": {
            "min_score": 0.5187,
            "detection_yaw_threshold": 40,
            "detection_pitch_threshold": 40,
            "detection_roll_threshold": 30,
            "yaw_number": 1,
            "yaw_collection_mode": False,
            "mouth_occlusion_threshold": 0.1,
            "min_body_size_threshold": 0.1,
        },
        "frame_processing_mode": "auto",
        "real_time_mode_fps": 0,
        "ffmpeg_threads_number": 0,
        "healthcheck": {"max_error_count": 10, "period": 3600, "retry_delay": 5, "timeout": timeout},
    }


#: "Create stream" (v1).
CREATE_V1: dict[str, Any] = {
    "account_id": "557d54ec-29ad-4f3c-93b4-c9092ef12515",
    "name": "Stream 1",
    "description": "Stream with tcp stream type",
    "data": {
        "type": "tcp",
        "reference": "rtsp://some_stream_address",
        "roi": ZERO_REGION,
        "droi": ZERO_REGION,
        "rotation": 0,
        "preferred_program_stream_frame_width": 800,
        "endless": True,
    },
    "event_handler": EVENT_HANDLER_V1,
    "policies": _policies(123, [0.05, 0.45, 0.5]),
    "location": LOCATION,
    "autorestart": {"restart": 0, "attempt_count": 10, "delay": 60},
    "status": "pending",
    "group_name": "hd_stream_2",
}

#: "Update existing stream" (v1 PUT).
REPLACE_V1: dict[str, Any] = {
    "account_id": "557d54ec-29ad-4f3c-93b4-c9092ef12515",
    "name": "",
    "description": "",
    "data": {
        "type": "udp",
        "roi": WIDE_REGION,
        "droi": WIDE_REGION,
        "rotation": 0,
        "preferred_program_stream_frame_width": 800,
        "endless": True,
    },
    "event_handler": EVENT_HANDLER_V1,
    "policies": _policies(2147483647, [0, 0.45, 0.5]),
    "location": LOCATION,
    "autorestart": {"restart": 0, "attempt_count": 10, "delay": 60},
    "status": "pending",
    "group_name": "hd_stream_2",
}

#: "Create stream" (v2).
CREATE_V2: dict[str, Any] = {
    "account_id": "d00e78dd-b91e-4686-866c-d69a493e5b5f",
    "data": {
        "analytics": [
            {
                "mode": 3,
                "enabled": True,
                "droi": ZERO_REGION,
                "filtering": {
                    "detection_pitch_threshold": 40,
                    "detection_roll_threshold": 30,
                    "detection_yaw_threshold": 40,
                    "min_body_size_threshold": 250,
                    "min_score_face": 0.5187,
                    "min_score_body": 0.5,
                    "mouth_occlusion_threshold": 0,
                    "yaw_collection_mode": False,
                    "yaw_number": 1,
                },
                "liveness": {
                    "liveness_mode": 1,
                    "liveness_threshold": 0.6,
                    "livenesses_weights": [0.45, 0.5],
                    "mask_backgrounds_count": 300,
                    "number_of_liveness_checks": 10,
                    "use_flying_faces_liveness_filtration": True,
                    "use_mask_liveness_filtration": True,
                },
                "primary_track_policy": {
                    "best_shot_min_size": 70,
                    "best_shot_proper_size": 140,
                    "use_primary_track_policy": False,
                },
                "sending": {
                    "body": {"send_only_full_set": True, "delete_track_after_sending": True},
                    "silent_period": 0,
                    "time_period_of_searching": -1,
                    "full_frame_settings": 1,
                    "type": "sec",
                    "bestshot_settings": {"face_bestshots_to_send": 1, "body_bestshots_to_send": 1},
                },
                "event_handler": {
                    "type": "luna_handler",
                    "handler_id": "0b61258c-434f-45d6-964f-2131e58cd58c",
                    "authorization": {"token": TOKEN},
                },
            }
        ],
        "frame_processing_mode": "auto",
        "real_time_mode_fps": 0,
        "ffmpeg_threads_number": 0,
        "roi": ZERO_REGION,
        "rotation": 0,
        "reference": "rtsp://some_stream_address",
        "type": "tcp",
    },
    "description": "http video test stream",
    "location": LOCATION,
    "name": "http video test stream",
    "group_name": "hd_stream_2",
    "status": "pending",
}

#: "Update existing stream" (v2 PUT).
REPLACE_V2: dict[str, Any] = {
    "account_id": "557d54ec-29ad-4f3c-93b4-c9092ef12515",
    "name": "",
    "description": "",
    "data": {
        "type": "udp",
        "analytics": [
            {
                "enabled": True,
                "mode": 1,
                "droi": WIDE_REGION,
                "filtering": {
                    "min_score_face": 0.5187,
                    "min_score_body": 0.5,
                    "detection_yaw_threshold": 40,
                    "detection_pitch_threshold": 40,
                    "detection_roll_threshold": 30,
                    "yaw_number": 1,
                    "yaw_collection_mode": False,
                    "mouth_occlusion_threshold": 0.1,
                    "min_body_size_threshold": 0.1,
                },
                "primary_track_policy": {
                    "use_primary_track_policy": False,
                    "best_shot_min_size": 70,
                    "best_shot_proper_size": 140,
                },
                "sending": {
                    "body": {"send_only_full_set": True, "delete_track_after_sending": False},
                    "bestshot_settings": {"type": 1, "face_bestshots_to_send": 1, "body_bestshots_to_send": 1},
                    "full_frame_settings": 1,
                    "time_period_of_searching": -1,
                    "silent_period": 0,
                    "type": "sec",
                },
                "event_handler": {
                    "type": "luna_handler",
                    "handler_id": "557d54ec-29ad-4f3c-93b4-c9092ef12515",
                    "authorization": {"token": TOKEN},
                },
                "healthcheck": {"max_error_count": 10, "period": 3600, "retry_delay": 5, "timeout": 2147483647},
                "liveness": {
                    "livenesses_weights": [0.45, 0.5],
                    "use_mask_liveness_filtration": False,
                    "use_flying_faces_liveness_filtration": False,
                    "liveness_mode": 0,
                    "number_of_liveness_checks": 10,
                    "liveness_threshold": 0.6,
                    "mask_backgrounds_count": 300,
                },
            }
        ],
        "frame_processing_mode": "auto",
        "real_time_mode_fps": 0,
        "ffmpeg_threads_number": 0,
        "roi": WIDE_REGION,
        "rotation": 0,
        "preferred_program_stream_frame_width": 800,
        "endless": True,
    },
    "location": LOCATION,
    "autorestart": {"restart": 0, "attempt_count": 10, "delay": 60},
    "status": "pending",
    "group_name": "hd_stream_2",
}

#: "Update stream fields" (PATCH).
PATCH = {"description": "Cancelled stream description.", "status": "cancel"}

#: "Delete streams matching specified filters (OR)".
DELETE_FILTERS = {"stream_ids": ["426542d6-5509-4e5b-8a01-e2abd5c0a8c6"], "names": ["some name"]}

#: "Receive streams from the queue".
TAKE = {
    "filters": {
        "stream_ids": ["426542d6-5509-4e5b-8a01-e2abd5c0a8c6"],
        "names": ["some name"],
        "group_ids": ["426542d6-5509-4e5b-8a01-e2abd5c0a8c6"],
        "group_names": ["hd_stream_2"],
    },
    "limit": 1,
}

VIDEO_INFO = {
    "width": 1920,
    "height": 1080,
    "frame_rate": 25,
    "bit_rate": 25,
    "gop_size": 25,
    "start_time": "2018-08-11T09:11:41.674Z",
    "duration": 0,
    "progress": 1,
}

#: "Post information about streams processing".
FEEDBACK = {
    "streams": [
        {
            "error": None,
            "video_info": VIDEO_INFO,
            "stream_id": "426542d6-5509-4e5b-8a01-e2abd5c0a8c6",
            "status": "in_progress",
            "version": 1,
            "preview": {"live": {"url": "../dictionary"}, "last_frame": {"url": "../dictionary"}},
        }
    ]
}

#: "Create group".
CREATE_GROUP = {
    "account_id": "ee4c42b6-23ae-410e-a2aa-a4220e64ba4b",
    "group_name": "stream_group-1",
    "description": "default stream group",
}

#: "Update group fields".
PATCH_GROUP = {"description": "old stream group"}

#: "Attach (or detach) streams to a group".
LINK = {
    "action": "attach",
    "stream_ids": ["557d54ec-29ad-4f3c-93b4-c9092ef12515"],
    "group_id": "426542d6-5509-4e5b-8a01-e2abd5c0a8c6",
}


def example(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of an example with top-level keys replaced."""
    return copy.deepcopy(body) | changes
