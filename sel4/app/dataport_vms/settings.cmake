#
# SPDX-License-Identifier: BSD-2-Clause
#
# Configuration of the dataport_vms CAmkES application (sel4/app/dataport_vms): qemu-arm-virt only.

if(NOT "${PLATFORM}" STREQUAL "qemu-arm-virt")
    message(FATAL_ERROR "PLATFORM: ${PLATFORM} not supported: dataport_vms runs on qemu-arm-virt only")
endif()
set(LibUSB OFF CACHE BOOL "" FORCE)
set(VmPCISupport ON CACHE BOOL "" FORCE)
set(VmVirtioConsole ON CACHE BOOL "" FORCE)
set(VmVirtioNetArping OFF CACHE BOOL "" FORCE)
set(VmVirtioNetVirtqueue ON CACHE BOOL "" FORCE)
set(VmInitRdFile ON CACHE BOOL "" FORCE)
set(QEMU_MEMORY "3072")
set(KernelArmCPU cortex-a53 CACHE STRING "" FORCE)
set(KernelArmExportPCNTUser ON CACHE BOOL "" FORCE)
set(KernelArmExportPTMRUser ON CACHE BOOL "" FORCE)
set(KernelCustomDTSOverlay "${CMAKE_CURRENT_LIST_DIR}/reserve-vm-memory.dts" CACHE STRING "" FORCE)
