/* Signature pad of the visit form: the household signs for the care card with a finger, a pen
   or a mouse. Each finished stroke writes the canvas as a PNG data URL into the hidden
   "signature" field; the server decodes and checks it. Written for this form, no dependencies. */
(function () {
  "use strict";

  function setup(box) {
    var canvas = box.querySelector("canvas");
    var input = box.querySelector("input[type=hidden]");
    var clear = box.querySelector("[data-signature-clear]");
    var toggle = document.getElementById(box.getAttribute("data-toggle"));
    var ctx = canvas.getContext("2d");
    var last = null;
    var width = 0;

    function pen() {
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
    }

    // Redraw a saved signature (the form came back with an error and kept the field).
    function restore() {
      if (!input.value) { return; }
      var img = new Image();
      img.onload = function () {
        var r = canvas.getBoundingClientRect();
        ctx.drawImage(img, 0, 0, r.width, r.height);
      };
      img.src = input.value;
    }

    // The bitmap follows the displayed size times the pixel ratio, so strokes stay sharp on
    // phones; resizing clears a canvas, hence the redraw from the field.
    function resize() {
      var ratio = window.devicePixelRatio || 1;
      var r = canvas.getBoundingClientRect();
      // Phones fire resize when the address bar slides away; only a new width needs a redraw.
      if (!r.width || r.width === width) { return; }
      width = r.width;
      canvas.width = Math.round(r.width * ratio);
      canvas.height = Math.round(r.height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      pen();
      restore();
    }

    function at(e) {
      var r = canvas.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    }

    function line(from, to) {
      ctx.beginPath();
      ctx.moveTo(from.x, from.y);
      ctx.lineTo(to.x, to.y);
      ctx.stroke();
    }

    // Pointer events cover touch, pen and mouse alike; CSS touch-action: none keeps the page
    // from scrolling under the finger.
    canvas.addEventListener("pointerdown", function (e) {
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      last = at(e);
      line(last, { x: last.x + 0.1, y: last.y + 0.1 });
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!last) { return; }
      e.preventDefault();
      var p = at(e);
      line(last, p);
      last = p;
    });
    function end() {
      if (!last) { return; }
      last = null;
      input.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);

    clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      input.value = "";
    });

    // The pad is needed only when the card is handed over.
    function show() {
      box.hidden = toggle ? !toggle.checked : false;
      if (!box.hidden) { resize(); }
    }
    if (toggle) { toggle.addEventListener("change", show); }
    window.addEventListener("resize", function () { if (!box.hidden) { resize(); } });
    show();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-signature-pad]"), setup);
})();
