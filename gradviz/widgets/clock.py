"""``Clock``: the page drives Play. While ``playing``, the browser sends a tick, waits until the kernel
has answered it, waits ``interval`` seconds, and sends the next one — so the pace adapts to the kernel,
messages never pile up, and a Pause click is handled right after the current tick (a timer on the
kernel's own event loop left Pause clicks waiting behind the ticks)."""

import anywidget
import traitlets

_ESM = """
export default {
    render({ model, el }) {
        el.style.display = "none";
        let waiting = false;
        const tick = () => {
            if (!model.get("playing") || waiting) return;
            waiting = true;
            model.send({ type: "tick" });
        };
        model.on("msg:custom", (msg) => {
            if (msg.type !== "tock") return;
            waiting = false;
            setTimeout(tick, model.get("interval") * 1000);
        });
        model.on("change:playing", tick);
        tick();
    },
};
"""


class Clock(anywidget.AnyWidget):
    _esm = _ESM
    playing = traitlets.Bool(False).tag(sync=True)
    interval = traitlets.Float(0.05).tag(sync=True)

    def __init__(self, on_tick, interval=0.05):
        super().__init__(interval=interval)
        self.on_tick = on_tick
        self.on_msg(self._on_message)

    def _on_message(self, widget, message, buffers):
        if message.get("type") == "tick":
            try:
                if self.playing:
                    self.on_tick()
            finally:
                self.send({"type": "tock"})
