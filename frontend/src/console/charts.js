// Chart.js, registered piecemeal so the bundle carries only the line and bar charts the console draws.
// Labels are drawn on the canvas as text, so tracked strings in them can never become markup.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

// Ten colours: the events explorer draws up to 10 series (more with a breakdown), and a repeat reads as the same line.
export const COLORS = ['#4f46e5', '#0ea5a4', '#f59e0b', '#e11d48', '#64748b', '#16a34a', '#9333ea', '#0284c7', '#db2777', '#a16207'];

function baseOptions(numberFormat) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: 'index', intersect: false },
    plugins: {
      legend: { position: 'bottom', labels: { boxWidth: 12, usePointStyle: true } },
      tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${numberFormat(item.parsed.y)}` } },
    },
    scales: {
      x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
      y: { beginAtZero: true, ticks: { precision: 0, callback: (value) => numberFormat(value) } },
    },
  };
}

// Draws (or redraws in place) a chart on a canvas; returns the Chart.
export function drawChart(canvas, { type = 'line', labels, datasets, numberFormat = String, legend = true }) {
  const styled = datasets.map((d, i) => ({
    borderColor: COLORS[i % COLORS.length],
    backgroundColor: type === 'bar' ? COLORS[i % COLORS.length] : `${COLORS[i % COLORS.length]}22`,
    pointRadius: labels.length > 40 ? 0 : 2,
    borderWidth: 2,
    tension: 0.25,
    fill: type === 'line' && i === 0,
    ...d,
  }));
  const existing = Chart.getChart(canvas);
  if (existing) {
    existing.data.labels = labels;
    existing.data.datasets = styled;
    existing.update();
    return existing;
  }
  const options = baseOptions(numberFormat);
  options.plugins.legend.display = legend;
  return new Chart(canvas, { type, data: { labels, datasets: styled }, options });
}
