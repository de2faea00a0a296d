// Minimal type declarations for the parts of dcmjs@0.43 that our test-data
// writers use (tools/sample and test/fixtures). dcmjs ships no types.
// dcmjs is only the INDEPENDENT writer/checker of test data; the product's
// reader uses dicom-parser.
declare module 'dcmjs' {
  export namespace data {
    /** One element of a "DICOM JSON"-like dict: tag key "GGGGEEEE" (upper-case hex). */
    interface DicomElement {
      vr: string;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      Value?: any[];
      /** Set by readFile: the raw (unformatted) value(s) as read. */
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      _rawValue?: any;
    }
    type DicomElementDict = Record<string, DicomElement>;

    interface WriteOptions {
      allowInvalidVRLength?: boolean;
      fragmentMultiframe?: boolean;
    }
    interface ReadOptions {
      ignoreErrors?: boolean;
      untilTag?: string | null;
      includeUntilTagValue?: boolean;
      noCopy?: boolean;
      forceStoreRaw?: boolean;
    }

    class DicomDict {
      constructor(meta: DicomElementDict);
      meta: DicomElementDict;
      dict: DicomElementDict;
      upsertTag(tag: string, vr: string, values: unknown[]): void;
      /** Serialises preamble + "DICM" + meta (explicit LE) + dataset in meta's TransferSyntaxUID
       *  (implicit LE, explicit LE, explicit BE; any other syntax is written as explicit LE). */
      write(options?: WriteOptions): ArrayBuffer;
    }

    const DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: ReadOptions): DicomDict;
    };

    const DicomMetaDictionary: {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      naturalizeDataset(dataset: DicomElementDict): Record<string, any>;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      denaturalizeDataset(dataset: Record<string, any>): DicomElementDict;
      uid(): string;
      date(): string;
      time(): string;
    };
  }
  const _default: { data: typeof data };
  export default _default;
}
