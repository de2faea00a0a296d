// parquet-wasm's Node build is published under the subpath export "parquet-wasm/node", which this
// project's TypeScript module resolution ("node", which ignores package exports) does not see; its
// types are the file beside it.
declare module 'parquet-wasm/node' {
  export * from 'parquet-wasm/node/parquet_wasm';
}
