/* The usage page's chart, drawn with uPlot from the figures the page embeds (#usage-chart-data).
 *
 * Points are instants (epoch seconds) drawn in the home's time zone, so a daylight-saving day is
 * simply 23 or 25 hours long. Dragging across the chart zooms in and writes the visible days into
 * the date form (press Show to load them at another resolution); a double-click zooms out. */
(function () {
  "use strict";
  var source = document.getElementById("usage-chart-data");
  var target = document.getElementById("usage-chart");
  if (!source || !target || typeof uPlot === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var zone = data.time_zone;
  var bars = data.resolution !== "interval";
  var dayFormat = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });

  function localDay(seconds) {
    return dayFormat.format(new Date(seconds * 1000)); // YYYY-MM-DD in the home's zone
  }

  function energySeries(label, stroke, fill, barSize) {
    var series = { label: label, stroke: stroke, fill: fill, width: 1, scale: "kWh", value: kwh };
    if (bars) {
      // Energy sent back is a narrower bar inside the day's or month's bar of energy used.
      series.paths = uPlot.paths.bars({ size: [barSize, 60], align: 0 });
      series.points = { show: false };
    } else {
      series.paths = uPlot.paths.stepped({ align: 1 });
    }
    return series;
  }

  function kwh(u, value) {
    return value == null ? "–" : value.toFixed(3) + " kWh";
  }

  var series = [{ label: "Time", value: timeLabel }];
  var columns = [data.x];
  series.push(energySeries("Used", "#0b6e4f", "rgba(11, 110, 79, 0.25)", 0.7));
  columns.push(data.consumption);
  if (data.generation) {
    series.push(energySeries("Sent back", "#c98a00", "rgba(201, 138, 0, 0.75)", 0.3));
    columns.push(data.generation);
  }
  var axes = [{}, { scale: "kWh", label: "kWh", size: 60 }];
  if (data.cost) {
    series.push({
      label: "Estimated cost",
      stroke: "#5b3cc4",
      width: 1.5,
      dash: [4, 3],
      scale: "cost",
      points: { show: false },
      value: function (u, value) { return value == null ? "–" : value.toFixed(2) + " " + data.currency; },
    });
    columns.push(data.cost);
    axes.push({ scale: "cost", side: 1, label: data.currency, size: 60, grid: { show: false } });
  }

  function timeLabel(u, seconds) {
    if (seconds == null) {
      return "–";
    }
    var options = { timeZone: zone, year: "numeric", month: "short" };
    if (data.resolution !== "monthly") {
      options.day = "numeric";
      options.weekday = "short";
    }
    if (data.resolution === "interval") {
      options.hour = "2-digit";
      options.minute = "2-digit";
      options.timeZoneName = "short";
    }
    return new Intl.DateTimeFormat("en-US", options).format(new Date(seconds * 1000));
  }

  var startInput = document.getElementById("id_start");
  var endInput = document.getElementById("id_end");
  var asked = startInput && endInput ? { start: startInput.value, end: endInput.value } : null;
  var drawn = false;

  function syncForm(u) {
    // After a drag-zoom the visible days go into the date form; zoomed out, the asked ones return.
    var min = u.scales.x.min;
    var max = u.scales.x.max;
    if (!asked || !drawn || min == null || max == null || !data.x.length) {
      return;
    }
    // A point stands for the interval, day or month that starts at it: the first one shown is the
    // one the left edge falls in.
    var before = data.x.filter(function (x) { return x <= min; });
    var shown = data.x.filter(function (x) { return x <= max; });
    if (!shown.length || (min <= data.x[0] && max >= data.x[data.x.length - 1])) {
      startInput.value = asked.start;
      endInput.value = asked.end;
      return;
    }
    startInput.value = localDay(before.length ? before[before.length - 1] : data.x[0]);
    if (data.resolution === "monthly") {
      // A month ends the second before the next one starts (or where the asked period ends).
      endInput.value = shown.length < data.x.length ? localDay(data.x[shown.length] - 1) : asked.end;
    } else {
      endInput.value = localDay(shown[shown.length - 1]);
    }
  }

  function padded(u, min, max) {
    // Bars are centred on their day or month: half a step more on each side keeps the edge ones whole.
    var step = data.x.length > 1 ? (max - min) / (data.x.length - 1) : 86400;
    return [min - step / 2, max + step / 2];
  }

  function size() {
    return { width: Math.max(280, target.clientWidth), height: window.innerWidth < 640 ? 260 : 340 };
  }

  var options = Object.assign(size(), {
    tzDate: function (seconds) { return uPlot.tzDate(new Date(seconds * 1000), zone); },
    scales: { x: { time: true, range: bars ? padded : null }, kWh: { range: function (u, min, max) { return [0, Math.max(max, 0.1) * 1.05]; } } },
    series: series,
    axes: axes,
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
    hooks: { setScale: [function (u, key) { if (key === "x") { syncForm(u); } }] },
  });

  var chart = new uPlot(options, columns, target);
  drawn = true;
  target.dataset.points = String(data.x.length);
  target.dataset.resolution = data.resolution;
  window.addEventListener("resize", function () { chart.setSize(size()); });
})();
