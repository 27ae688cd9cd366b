# Config errors are reported before any work: with backbone_pretraining in the config, `train`
# fails on a misspelt loss key, `bins: 0`, `momentum: 1.5`, an unknown loss type, `lr: "fast"`
# or a missing image folder before pretraining (nothing printed about it, the work_dir never
# created); `pretrain-backbone`, `test` and `demo` check the whole config before they pretrain,
# scan the data or make the scenes. Every case exits with code 2 and names the key.
# -DCLI=<ghmdet> -DMAKE_SCENES=<make_tiny_scenes> -DCONFIG=<configs/demo/fashion_mnist_ghm.yaml>
# -DWORK=<scratch folder>
include(${CMAKE_CURRENT_LIST_DIR}/../cmake/tiny_scene_runs.cmake)

set(pretraining "backbone_pretraining={iterations: 2, optimizer: adamw, lr: 0.001, imgs_per_gpu: 2}")

# fails_first(name regex written args...): `ghmdet args` exits with code 2, prints regex, never
# starts pretraining, and leaves `written` (a path the run would create) absent.
function(fails_first name regex written)
  execute_process(COMMAND ${CLI} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(all "${out}${err}")
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "${name}: expected exit code 2, got ${rc}:\n${all}")
  endif()
  if(NOT all MATCHES "${regex}")
    message(FATAL_ERROR "${name}: output does not match '${regex}':\n${all}")
  endif()
  if(all MATCHES "pretraining the ResNet|making [0-9]+ train")
    message(FATAL_ERROR "${name}: the error came after work had started:\n${all}")
  endif()
  if(EXISTS ${written})
    message(FATAL_ERROR "${name}: ${written} was written before the config was checked")
  endif()
endfunction()

foreach(case IN ITEMS
    "misspelt_loss_key|model.bbox_head.loss_cls[^\n]*unknown key 'momentun'[^\n]*did you mean 'momentum'|model.bbox_head.loss_cls.momentun=0.5"
    "zero_bins|model.bbox_head.loss_cls[^\n]*bins must be >= 1|model.bbox_head.loss_cls.bins=0"
    "loss_momentum|model.bbox_head.loss_bbox[^\n]*momentum must be in .0, 1\\)|model.bbox_head.loss_bbox.momentum=1.5"
    "optimizer_momentum|optimizer.momentum: must be in .0, 1\\)|optimizer.momentum=1.5"
    "unknown_loss_type|model.bbox_head.loss_cls[^\n]*GHMX|model.bbox_head.loss_cls.type=GHMX"
    "lr_not_a_number|optimizer.lr[^\n]*fast|optimizer.lr=fast"
    "missing_val_images|data.val.img_prefix[^\n]*no_such_folder/: image folder not found|data.val.img_prefix=${WORK}/no_such_folder/")
  string(REPLACE "|" ";" case "${case}")
  list(GET case 0 name)
  list(GET case 1 regex)
  list(GET case 2 override)
  fails_first(train_${name} "${regex}" ${WORK}/${name}
    train ${CONFIG} --work-dir ${WORK}/${name} --device cpu --cfg-options ${tiny_scene_overrides} "${pretraining}" "${override}")
endforeach()

fails_first(pretrain_backbone_zero_bins "model.bbox_head.loss_cls[^\n]*bins must be >= 1" ${WORK}/pretrained.pth
  pretrain-backbone ${CONFIG} --out ${WORK}/pretrained.pth --device cpu
  --cfg-options ${tiny_scene_overrides} "${pretraining}" model.bbox_head.loss_cls.bins=0)
file(WRITE ${WORK}/never_read.pth "")
fails_first(test_missing_images "data.test.img_prefix[^\n]*no_such_folder/: image folder not found" ${WORK}/results.json
  test ${CONFIG} ${WORK}/never_read.pth --out ${WORK}/results.json --device cpu
  --cfg-options ${tiny_scene_overrides} data.test.img_prefix=${WORK}/no_such_folder/)
fails_first(demo_zero_bins "model.bbox_head.loss_cls[^\n]*bins must be >= 1" ${WORK}/demo_scenes
  demo --out ${WORK}/demo_scenes --work-dir ${WORK}/demo_run --train-scenes 4 --val-scenes 2 --device cpu
  --cfg-options model.bbox_head.loss_cls.bins=0)
