// Files over the API, on the shared client (/widget/shared/api.js, as the widget's):
// - upload: one request per file (the client sends a form by XMLHttpRequest, the one way to
//   see upload progress), a few at a time; its errors are the server's sentences;
// - thumbnails: fetched with the agent's token and shown as data: URLs (the page's CSP allows
//   `img-src 'self' data:`, not blob:), cached for the session;
// - open: a fresh signed link per click, opened in a new tab. The token never goes in a URL.
import { ApiError } from "./api.js";
import { safeHref } from "./dom.js";

const PARALLEL = 3; // uploads at once; the rest wait their turn
const THUMBNAILS_KEPT = 300;
const PREVIEWABLE = /^image\/(png|jpeg|gif|webp)$/;
const PREVIEW_MAX_BYTES = 20 * 1024 * 1024;

/** Words for an upload the connection dropped (a proxy's reset; a body the server cut off). */
function networkError(file) {
  return {
    code: "network",
    message: `“${file.name}” was not uploaded: the connection failed (a file larger than the server accepts ends the same way).`,
  };
}

/** "25 MiB" for a limit in bytes (the server's own wording). */
function sizeWords(bytes) {
  for (const [unit, size] of [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]]) {
    if (bytes >= size) return `${+(bytes / size).toFixed(1)} ${unit}`;
  }
  return `${bytes} bytes`;
}

export function createFiles({ api }) {
  const thumbnails = new Map(); // url → Promise<data URL>
  const queue = [];
  let running = 0;
  // The server's limits, read once: a file that cannot fit is refused before a byte is sent
  // (the server refuses it too, but a browser may only see the connection it closes).
  let limits = null;
  const readLimits = () => (limits ??= api("GET", "/api/attachments/limits").catch(() => ((limits = null), null)));

  function next() {
    while (running < PARALLEL && queue.length) {
      const start = queue.shift();
      running += 1;
      start().finally(() => {
        running -= 1;
        next();
      });
    }
  }

  /**
   * Upload one file to POST /api/attachments through the shared client (its `form` goes by
   * XMLHttpRequest, for the progress). onProgress(fraction) while its bytes go out, onStart()
   * when it leaves the queue. Returns {done: Promise<attachment>, abort()}.
   */
  function upload(file, { onProgress = () => {}, onStart = () => {} } = {}) {
    const stop = new AbortController();
    let settle;
    const done = new Promise((resolve, reject) => (settle = { resolve, reject }));
    const abortError = () => new ApiError(0, { code: "aborted", message: `The upload of “${file.name}” was cancelled.` });

    const start = async () => {
      if (stop.signal.aborted) return settle.reject(abortError());
      const known = await readLimits();
      if (known && file.size > known.maxFileBytes) {
        return settle.reject(new ApiError(413, {
          code: "payload_too_large",
          message: `“${file.name}” is larger than ${sizeWords(known.maxFileBytes)}, the most a file may be.`,
          file: file.name,
          limitBytes: known.maxFileBytes,
        }));
      }
      onStart();
      const form = new FormData();
      form.append("file", file, file.name);
      try {
        const answer = await api("POST", "/api/attachments", { form, progress: onProgress, signal: stop.signal });
        onProgress(1);
        settle.resolve(answer.attachments[0]);
      } catch (err) {
        if (stop.signal.aborted) settle.reject(abortError());
        else if (err instanceof ApiError && err.status === 0) settle.reject(new ApiError(0, networkError(file)));
        else settle.reject(err);
      }
    };

    queue.push(start);
    next();
    return { done, abort: () => stop.abort() };
  }

  /** A thumbnail (an attachment's `thumbnailUrl`, on this origin) as a data: URL. */
  function thumbnail(url) {
    if (typeof url !== "string" || !url.startsWith("/api/")) {
      return Promise.reject(new Error("Not a thumbnail of this server."));
    }
    if (thumbnails.has(url)) return thumbnails.get(url);
    const loading = (async () => {
      const blob = await api("GET", url, { blob: true });
      if (!blob.type.startsWith("image/")) throw new Error("The thumbnail is not an image.");
      return dataUrl(blob);
    })();
    if (thumbnails.size >= THUMBNAILS_KEPT) thumbnails.delete(thumbnails.keys().next().value);
    thumbnails.set(url, loading);
    loading.catch(() => thumbnails.delete(url));
    return loading;
  }

  /** Open a file: ask for a signed link now (it lives five minutes) and open it in a new tab. */
  async function open(attachmentId) {
    const { url } = await api("POST", `/api/attachments/${encodeURIComponent(attachmentId)}/link`);
    const href = safeHref(new URL(url, location.href).href);
    if (!href) throw new Error("The server gave a link the browser cannot open.");
    // The link answer took a round trip: past the click's activation window a browser may
    // block the tab, and with noopener there is no handle to tell. Say so instead.
    if (navigator.userActivation && !navigator.userActivation.isActive) {
      throw new Error("The browser did not let the file open in a new tab: click it again.");
    }
    window.open(href, "_blank", "noopener");
  }

  return { upload, thumbnail, open };
}

function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.addEventListener("load", () => resolve(String(reader.result)));
    reader.addEventListener("error", () => reject(reader.error));
    reader.readAsDataURL(blob);
  });
}

/** A small picture of an image the agent picked, before it is uploaded (null for others). */
export async function previewOf(file, side = 160) {
  if (!PREVIEWABLE.test(file.type) || file.size > PREVIEW_MAX_BYTES || !globalThis.createImageBitmap) return null;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return canvas.toDataURL("image/png");
  } catch {
    return null; // named like an image, but not one the browser can read: no preview
  }
}
