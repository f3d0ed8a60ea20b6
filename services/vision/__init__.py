"""Pre- and post-processing of the served models, as plain numpy functions:
letterbox and normalise, YOLOX decode and NMS, YuNet decode, face alignment
for SFace, PP-OCR detection and CTC decoding. Images are HxWx3 uint8 RGB."""
