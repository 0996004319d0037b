/** The two pictures of the page, drawn by hand on <canvas>: the cart-pole and the returns so far. */

/** Gymnasium's CartPole-v1 geometry: the track spans ±2.4 m, the pole is 1 m long. */
const TRACK_HALF_WIDTH = 2.4;
const POLE_LENGTH = 1;

/** The cart-pole in observation `obs` = [x, ẋ, θ, θ̇], drawn as Gymnasium's renderer draws it. */
export function drawCartPole(canvas: HTMLCanvasElement, obs: ArrayLike<number>): void {
  const g = canvas.getContext("2d")!;
  const { width, height } = canvas;
  const scale = width / (2 * TRACK_HALF_WIDTH);
  const trackY = height * 0.75;
  const cartX = width / 2 + obs[0] * scale;
  const theta = obs[2];
  g.clearRect(0, 0, width, height);
  g.strokeStyle = "#888";
  g.beginPath();
  g.moveTo(0, trackY);
  g.lineTo(width, trackY);
  g.stroke();
  g.fillStyle = "#333";
  g.fillRect(cartX - 25, trackY - 15, 50, 30);
  // θ is measured from the vertical, positive when the pole leans to the right.
  g.strokeStyle = "#ca9865";
  g.lineWidth = 10;
  g.lineCap = "round";
  g.beginPath();
  g.moveTo(cartX, trackY - 15);
  g.lineTo(cartX + Math.sin(theta) * POLE_LENGTH * scale, trackY - 15 - Math.cos(theta) * POLE_LENGTH * scale);
  g.stroke();
  g.lineWidth = 1;
  g.fillStyle = "#81a8d6";
  g.beginPath();
  g.arc(cartX, trackY - 15, 5, 0, 2 * Math.PI);
  g.fill();
}

/** Episode returns (light) and their mean over the last `window` episodes (dark), against the episode number. */
export function drawReturns(canvas: HTMLCanvasElement, returns: readonly number[], window = 10): void {
  const g = canvas.getContext("2d")!;
  const { width, height } = canvas;
  const margin = { left: 44, right: 12, top: 12, bottom: 28 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const yMax = Math.max(50, Math.ceil(Math.max(0, ...returns) / 50) * 50);
  const xMax = Math.max(returns.length, 2);
  const px = (episode: number) => margin.left + ((episode - 1) / (xMax - 1)) * plotWidth;
  const py = (value: number) => margin.top + (1 - value / yMax) * plotHeight;

  g.clearRect(0, 0, width, height);
  g.strokeStyle = "#888";
  g.fillStyle = "#555";
  g.font = "11px system-ui, sans-serif";
  g.beginPath();
  g.moveTo(margin.left, margin.top);
  g.lineTo(margin.left, margin.top + plotHeight);
  g.lineTo(margin.left + plotWidth, margin.top + plotHeight);
  g.stroke();
  g.textAlign = "right";
  for (const value of [0, yMax / 2, yMax]) g.fillText(String(value), margin.left - 6, py(value) + 4);
  g.textAlign = "center";
  g.fillText(`episode (${returns.length} so far)`, margin.left + plotWidth / 2, height - 8);

  const line = (values: readonly number[], firstEpisode: number, color: string, lineWidth: number) => {
    if (values.length === 0) return;
    g.strokeStyle = color;
    g.lineWidth = lineWidth;
    g.beginPath();
    values.forEach((v, i) => (i === 0 ? g.moveTo(px(firstEpisode + i), py(v)) : g.lineTo(px(firstEpisode + i), py(v))));
    g.stroke();
    g.lineWidth = 1;
  };
  line(returns, 1, "#c6d4e6", 1.5);
  const means: number[] = [];
  let sum = 0;
  returns.forEach((r, i) => {
    sum += r;
    if (i >= window) sum -= returns[i - window];
    if (i + 1 >= window) means.push(sum / window);
  });
  line(means, window, "#1f5fa8", 2);
}
