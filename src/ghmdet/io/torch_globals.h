// The whitelist of Python globals a weight file may name, and what calling each one builds.
//
//  collections.OrderedDict(), builtins/__builtin__ set, frozenset, bytes → dict / list / bytes
//  _codecs.encode(str, "latin1")           → bytes (how protocol 2 stores Python 3 bytes)
//  torch.Size(tuple)                        → tuple
//  numpy.dtype + numpy.core.multiarray.scalar → int / float / bool (numpy *scalars*, which
//                                              mmdetection's meta may hold; numpy arrays are
//                                              refused like any other unknown global)
//  torch._utils._rebuild_tensor(storage, offset, size, stride)
//  torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, meta])
//  torch._utils._rebuild_parameter(tensor, requires_grad, hooks)
//  torch._utils._rebuild_parameter_with_state(tensor, requires_grad, hooks, state)
//  torch.<T>Storage (Float, Double, Half, BFloat16, Long, Int, Short, Char, Byte, Bool): only as
//  the type field of a storage's persistent id (storage_dtype_of).
// Rebuilt tensors are views (torch::Tensor::as_strided) of their storage, so tensors that shared
// a storage in Python share it here; offsets and strides are checked against the storage size
// first, so a corrupt file cannot make a view that reads out of bounds.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>

#include "ghmdet/io/pickle_value.h"

namespace ghmdet {

bool is_supported_global(const std::string& module, const std::string& name);

// Calls the whitelisted global `qualname` ("module.name") with `args` (a tuple). Throws
// ghmdet::Error (message without the file: the unpickler adds it) on bad arguments.
PickleValuePtr call_global(const std::string& qualname, const PickleValuePtr& args);

// BUILD on a non-dict object: only a numpy dtype's state (its byte order) is understood.
// Throws ghmdet::Error for anything else.
void build_global(PickleValue& target, const PickleValue& state);

// The dtype of a storage class global ("torch.FloatStorage" → kFloat), or nullopt.
std::optional<torch::ScalarType> storage_dtype_of(const PickleValue& storage_type);

}  // namespace ghmdet
