# A Python config in the GHM authors' early form (tests/fixtures/cli/cfg_tiny_scenes_ghm.py:
# train_cfg.ghmc / ghmr, datatype, num_classes with the background) through the binary: one
# epoch of 2 iterations on 4 tiny scenes, the saved config showing what it resolved to, a resume
# for a second epoch, and `test` on the checkpoint.
# -DCLI=<ghmdet> -DMAKE_SCENES=<make_tiny_scenes> -DCONFIG=<the .py config> -DWORK=<scratch folder>
set(TINY_TRAIN_SCENES 4)
include(${CMAKE_CURRENT_LIST_DIR}/../cmake/tiny_scene_runs.cmake)

run(train "trained 2 iterations"
  train ${CONFIG} --work-dir ${WORK}/run --seed 0 --device cpu
  --cfg-options ${tiny_scene_overrides} total_epochs=1 log_config.ghm_stats_interval=0)
if(NOT EXISTS ${WORK}/run/epoch_1.pth)
  message(FATAL_ERROR "train: epoch_1.pth was not written")
endif()

# The merged config is saved as YAML, with the losses and the class count the seed's keys meant.
set(saved ${WORK}/run/cfg_tiny_scenes_ghm.yaml)
if(NOT EXISTS ${saved})
  message(FATAL_ERROR "train: the merged config was not saved as ${saved}")
endif()
file(READ ${saved} merged)
foreach(expected
    "num_classes: 10\n"
    "loss_cls:\n +type: GHMC\n +use_sigmoid: true\n +bins: 30\n +momentum: 0.75\n +loss_weight: 1.0\n"
    "loss_bbox:\n +type: GHMR\n +mu: 0.02\n +bins: 10\n +momentum: 0.7\n +loss_weight: 10.0\n"
    "dataset_type: CocoDataset")
  if(NOT merged MATCHES "${expected}")
    message(FATAL_ERROR "the saved config lacks '${expected}':\n${merged}")
  endif()
endforeach()
if(merged MATCHES "ghmc|ghmr|datatype|loss_scale")
  message(FATAL_ERROR "the saved config still has the seed's keys:\n${merged}")
endif()

run(resume "trained 4 iterations"
  train ${CONFIG} --work-dir ${WORK}/run --seed 0 --device cpu --resume-from ${WORK}/run/epoch_1.pth
  --cfg-options ${tiny_scene_overrides} total_epochs=2 log_config.ghm_stats_interval=0)
if(NOT resume_output MATCHES "resumed from [^\n]*epoch_1.pth: epoch 1, iter 2")
  message(FATAL_ERROR "resume: expected to continue after iteration 2 of epoch_1.pth:\n${resume_output}")
endif()
if(NOT EXISTS ${WORK}/run/epoch_2.pth)
  message(FATAL_ERROR "resume: epoch_2.pth was not written")
endif()

run(test "Average Precision  \\(AP\\) @\\[ IoU=0.50:0.95 \\| area=   all \\| maxDets=100 \\] = [0-9.]+"
  test ${CONFIG} ${WORK}/run/epoch_2.pth --eval bbox --device cpu --cfg-options ${tiny_scene_overrides})
