// Package cohort releases pseudonymised research cohorts under the separation
// principle.
//
// A researcher asks for a cohort ("every child in the social work extract,
// with their education and health records"). The linkage unit, which holds
// the linked entities (entities.parquet from pprl match: entity_id, dataset,
// record_id) but no identities, selects the entities that the definition
// covers and gives each a study ID that exists only for that project. Each
// agency then receives, sealed to its own age recipient, a map from its own
// record IDs to study IDs; it attaches content to its records and sends that
// to the researchers with the study ID in place of the record ID. The
// researchers join the agencies' tables on study_id and never see a record
// ID, an entity ID, a token or an identity; an agency sees only its own map.
//
// Study IDs are "S" followed by 16 base32 characters: the first 80 bits of
// HMAC-SHA256 over the entity ID, under a subkey (HKDF-SHA256, info
// "pprl/v1/cohort/study-id/" + project) of a random per-project key. The key
// is created on the project's first release and stays with the linkage unit
// (mode 0600), so later releases of the same project reuse the same study
// IDs; deleting it at the end of the project makes the IDs unlinkable for
// good. Two projects have independent keys, so their study IDs never join,
// and a study ID can never equal an entity ID (which starts with "E").
package cohort
