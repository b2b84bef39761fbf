// Geometry of the crop square, in pixels of the original image (after EXIF orientation).

/** The largest centred square of a `width` × `height` image. */
export function centredSquare(width, height) {
  const size = Math.min(width, height);
  return { x: Math.floor((width - size) / 2), y: Math.floor((height - size) / 2), size };
}

/** The smallest square a user may choose: a twentieth of the short side, at least 1 px. */
export function minimumSize(width, height) {
  return Math.max(1, Math.round(Math.min(width, height) / 20));
}

/** `square` kept inside the image and above the minimum size, in whole pixels. */
export function clamp(square, width, height) {
  const size = Math.round(Math.min(Math.max(square.size, minimumSize(width, height)), width, height));
  return {
    x: Math.round(Math.min(Math.max(square.x, 0), width - size)),
    y: Math.round(Math.min(Math.max(square.y, 0), height - size)),
    size,
  };
}

/** Moves `square` by (dx, dy) original pixels. */
export function moved(square, dx, dy, width, height) {
  return clamp({ ...square, x: square.x + dx, y: square.y + dy }, width, height);
}

/** Grows (or shrinks, for negative `delta`) `square` around its centre. */
export function resizedAroundCentre(square, delta, width, height) {
  const size = square.size + delta;
  return clamp({ x: square.x - delta / 2, y: square.y - delta / 2, size }, width, height);
}

/** Resizes `square` from its lower-right corner, keeping its upper-left corner. */
export function resizedFromCorner(square, delta, width, height) {
  const size = Math.min(square.size + delta, width - square.x, height - square.y);
  return clamp({ ...square, size }, width, height);
}
