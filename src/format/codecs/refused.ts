/**
 * Codecs zarr-plan knows but does not implement, with the reason: `createCodec` reports them
 * as `UnknownCodecError` (`ERR_UNKNOWN_CODEC`) carrying the reason, so that opening such an array
 * says why. `registerCodec` can still provide any of them.
 * @module
 */

/** Reason each known-but-unsupported codec name is refused, by metadata name. */
export const REFUSED_CODECS: Readonly<Record<string, string>> = {
  "numcodecs.zfpy":
    "no maintained WebAssembly build of zfp exists for JavaScript; register one with registerCodec",
  "numcodecs.pcodec":
    "no maintained WebAssembly build of pcodec is published for JavaScript; register one with registerCodec",
  "numcodecs.categorize":
    "numcodecs categorize works on string arrays only (it accepts 'U' and 'O' dtypes), which this codec layer does not decode",
  "numcodecs.lzma":
    "no maintained JavaScript LZMA/XZ decoder fits; register one with registerCodec",
};
