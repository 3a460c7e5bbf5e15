/** The local webhook sink and polling helpers live with the preview stack; tests use the same ones. */
export { sleep, startSink, waitFor, type Received } from '../../tools/preview/sink.js';
