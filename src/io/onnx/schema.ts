/**
 * The ONNX protobuf messages slimctr reads, as a protobufjs JSON descriptor written here from the
 * field names and numbers of the ONNX specification (ModelProto and what it contains). Messages or
 * fields we never use (training info, functions, sparse tensors, sequence/map types) are left out:
 * protobuf skips unknown fields, so files that have them still decode.
 */
import protobuf from 'protobufjs/light.js';

const rep = (type: string, id: number) => ({ rule: 'repeated', type, id });
const one = (type: string, id: number) => ({ type, id });

const descriptor = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: one('int64', 1),
            producerName: one('string', 2),
            producerVersion: one('string', 3),
            domain: one('string', 4),
            modelVersion: one('int64', 5),
            docString: one('string', 6),
            graph: one('GraphProto', 7),
            opsetImport: rep('OperatorSetIdProto', 8),
            metadataProps: rep('StringStringEntryProto', 14),
          },
        },
        OperatorSetIdProto: { fields: { domain: one('string', 1), version: one('int64', 2) } },
        StringStringEntryProto: { fields: { key: one('string', 1), value: one('string', 2) } },
        GraphProto: {
          fields: {
            node: rep('NodeProto', 1),
            name: one('string', 2),
            initializer: rep('TensorProto', 5),
            docString: one('string', 10),
            input: rep('ValueInfoProto', 11),
            output: rep('ValueInfoProto', 12),
            valueInfo: rep('ValueInfoProto', 13),
            sparseInitializer: rep('bytes', 15),
          },
        },
        NodeProto: {
          fields: {
            input: rep('string', 1),
            output: rep('string', 2),
            name: one('string', 3),
            opType: one('string', 4),
            attribute: rep('AttributeProto', 5),
            docString: one('string', 6),
            domain: one('string', 7),
          },
        },
        AttributeProto: {
          fields: {
            name: one('string', 1),
            f: one('float', 2),
            i: one('int64', 3),
            s: one('bytes', 4),
            t: one('TensorProto', 5),
            g: one('GraphProto', 6),
            floats: rep('float', 7),
            ints: rep('int64', 8),
            strings: rep('bytes', 9),
            tensors: rep('TensorProto', 10),
            graphs: rep('GraphProto', 11),
            docString: one('string', 13),
            type: one('int32', 20),
            refAttrName: one('string', 21),
          },
        },
        TensorProto: {
          fields: {
            dims: rep('int64', 1),
            dataType: one('int32', 2),
            floatData: rep('float', 4),
            int32Data: rep('int32', 5),
            stringData: rep('bytes', 6),
            int64Data: rep('int64', 7),
            name: one('string', 8),
            rawData: one('bytes', 9),
            doubleData: rep('double', 10),
            uint64Data: rep('uint64', 11),
            docString: one('string', 12),
            externalData: rep('StringStringEntryProto', 13),
            dataLocation: one('int32', 14),
          },
        },
        ValueInfoProto: { fields: { name: one('string', 1), type: one('TypeProto', 2), docString: one('string', 3) } },
        TypeProto: { fields: { tensorType: one('TypeProtoTensor', 1), denotation: one('string', 6) } },
        TypeProtoTensor: { fields: { elemType: one('int32', 1), shape: one('TensorShapeProto', 2) } },
        TensorShapeProto: { fields: { dim: rep('Dimension', 1) } },
        Dimension: { fields: { dimValue: one('int64', 1), dimParam: one('string', 2), denotation: one('string', 3) } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

/** The ModelProto message type (decode, encode, verify). */
export const ModelProtoType = root.lookupType('onnx.ModelProto');

/** TensorProto.DataType values. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;

/** Whether a value of element type `t` holds floats (else integers or booleans). */
export const isFloatType = (t: number): boolean =>
  t === DataType.FLOAT || t === DataType.DOUBLE || t === DataType.FLOAT16;

/** AttributeProto.AttributeType values. */
export const AttrType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

/** TensorProto.DataLocation.EXTERNAL. */
export const DATA_EXTERNAL = 1;
