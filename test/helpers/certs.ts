/** Throwaway CA + leaf certificate (openssl); shared with the preview stack. */
export { makeCerts } from '../../tools/preview/certs.js';
