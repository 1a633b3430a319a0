// The scoring service's tests on the real stack use the shared sandbox of the stateful services.
export * from '../../../test/stateful-sandbox.ts';
