// The console's pages: live queue (server-sent events), taking a case, revealing a field,
// replying, handing back and closing. Every change carries the session's CSRF token.
(function () {
  const csrf = (document.querySelector('meta[name="csrf"]') || {}).content || "";
  const status = (text) => { const el = document.getElementById("status"); if (el) el.textContent = text; };
  async function post(url, body) {
    const response = await fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify(body || {})});
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.message || data.error || response.status);
    return data;
  }
  function cell(text) { const td = document.createElement("td"); td.textContent = text; return td; }

  const queue = document.getElementById("queue");
  if (queue) {
    const render = (rows) => {
      const body = queue.querySelector("tbody");
      body.replaceChildren(...rows.map((row) => {
        const tr = document.createElement("tr");
        tr.dataset.ticket = row.ticket;
        tr.append(cell(row.ticket), cell(row.reason), cell(row.step), cell(row.channel),
                  cell(row.waiting), cell(row.holder || "-"));
        const td = document.createElement("td");
        const take = document.createElement("button");
        take.className = "take"; take.dataset.ticket = row.ticket; take.textContent = "Ambil";
        td.append(take); tr.append(td);
        return tr;
      }));
    };
    const live = new EventSource(queue.dataset.live);
    live.onmessage = (event) => render(JSON.parse(event.data));
    // the stream ends with the session; reconnecting is then refused: sign in again
    live.onerror = () => { if (live.readyState === EventSource.CLOSED) window.location = "/login"; };
    queue.addEventListener("click", async (event) => {
      const ticket = event.target.dataset && event.target.dataset.ticket;
      if (!ticket) return;
      try { await post(`/cases/${ticket}/take`); window.location = `/cases/${ticket}`; }
      catch (error) { status("Tidak dapat diambil: " + error.message); }
    });
  }

  const page = document.querySelector(".columns[data-ticket]");
  if (page) {
    const ticket = page.dataset.ticket;
    document.getElementById("collected").addEventListener("click", async (event) => {
      const field = event.target.classList.contains("reveal") && event.target.dataset.field;
      if (!field) return;
      const data = await post(`/cases/${ticket}/reveal`, {field});
      event.target.parentElement.querySelector(".value").textContent = data.value;
      event.target.remove();
    });
    document.getElementById("reply").addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = event.target.text.value;
      try {
        const data = await post(`/cases/${ticket}/reply`, {text});
        const li = document.createElement("li"); li.className = "cso";
        li.textContent = "cso: " + text;
        document.getElementById("transcript").append(li);
        event.target.text.value = ""; status("Terkirim lewat " + data.sent);
      } catch (error) { status("Gagal: " + error.message); }
    });
    document.getElementById("hand-back").addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = await post(`/cases/${ticket}/hand-back`, {question: event.target.question.value});
      status("Dikembalikan ke asisten: " + data.question);
    });
    document.getElementById("close").addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = await post(`/cases/${ticket}/close`,
        {outcome: event.target.outcome.value, reason: event.target.reason.value});
      status("Ditutup, tiket APKT " + data.apkt_ticket);
    });
  }
  const logout = document.getElementById("logout");
  if (logout) logout.addEventListener("click", async () => { await post("/logout"); window.location = "/login"; });
})();
