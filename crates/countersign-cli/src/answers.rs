//! The service's answers as this program reads them: the shared API bodies
//! of `countersign_core::api`, which ignore fields a newer service adds.

pub use countersign_core::api::{
    ApprovalView as ApprovalPage, DeviceInfo as EnrolledDevice, EnrollmentInfo as Enrollment,
    ErrorBody, RequestAnswer as Requested,
};
