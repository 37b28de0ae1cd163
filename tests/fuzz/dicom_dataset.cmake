dicomsec_fuzz_target(dicom_dataset DEPS dicomsec::dicom)
