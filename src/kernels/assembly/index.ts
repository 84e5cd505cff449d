// Entry point of the WebAssembly kernel module. All pointers are byte offsets into the imported
// shared memory; JavaScript (src/kernels/heap.ts) owns allocation.
export { add_row_vector, axpy_rows, copy_rows, mul_span, relu, relu_backward, scale_vectors, sum_rows } from './elementwise';
export { gemm_work_bytes, sgemm } from './gemm';
export { attention_backward, attention_forward } from './attention';
export { bilinear_backward, bilinear_forward } from './bilinear';
export { cross_backward, cross_forward } from './cross';
export { adagrad_span, adam_span, sgd_span } from './optim';
export { field_project, field_project_backward } from './project';
export { fm_backward, fm_forward } from './fm';
export { gather_rows_q } from './quant';
export { gather_fields, gather_rows, update_rows } from './rows';
export { accumulate_unique, lookup_scratch_bytes, lookup_unique } from './sparse';

export function heap_base(): usize {
  return __heap_base;
}
