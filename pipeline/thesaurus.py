"""Lay words -> the clinical words that pages use for them, applied to questions only.

People ask "can kids get this?" and pages say "pediatric onset"; BM25 matches words,
not meanings. This is a small consumer-health vocabulary in the spirit of the
Consumer Health Vocabulary (CHV) of the US National Library of Medicine: general
lay/clinical pairs that hold for any condition, none specific to one disease. Each
lay phrase adds its clinical terms to the question; the question's own words stay.
Kept as data, in a fixed order, so expansion is deterministic.
"""

from __future__ import annotations

LAY_TO_CLINICAL: tuple[tuple[str, str], ...] = (
    # people and ages
    ("kid", "pediatric childhood children"),
    ("kids", "pediatric childhood children"),
    ("child", "pediatric childhood"),
    ("children", "pediatric childhood"),
    ("elderly", "older age"),
    # body parts and systems
    ("heart", "cardiac cardiovascular"),
    ("lung", "pulmonary respiratory interstitial"),
    ("lungs", "pulmonary respiratory interstitial"),
    ("breathing", "respiratory dyspnea pulmonary"),
    ("short of breath", "dyspnea respiratory"),
    ("kidney", "renal"),
    ("liver", "hepatic"),
    ("skin", "dermatological cutaneous rash"),
    ("swallow", "dysphagia"),
    ("swallowing", "dysphagia"),
    # symptoms
    ("tired", "fatigue"),
    ("tiredness", "fatigue"),
    ("exhausted", "fatigue"),
    ("muscle pain", "myalgia"),
    ("aches", "pain myalgia"),
    ("swelling", "edema inflammation"),
    ("wasting", "atrophy"),
    ("shrinking", "atrophy"),
    ("weak", "weakness"),
    # course and outlook
    ("come back", "relapse relapses recurrence"),
    ("comes back", "relapse relapses recurrence"),
    ("flare", "relapse"),
    ("outlook", "prognosis outcome"),
    ("long-term", "prognosis outcome"),
    ("recover", "recovery remission"),
    ("how common", "prevalence incidence"),
    ("how many people", "prevalence incidence"),
    ("how rare", "prevalence incidence rare"),
    # causes and risks
    ("cause", "etiology triggered"),
    ("causes", "etiology triggered"),
    ("genetic", "genetic allele hla"),
    ("genes", "genetic allele hla"),
    ("inherited", "genetic inheritance"),
    ("cancer", "malignancy"),
    ("tumor", "malignancy cancer"),
    ("cholesterol", "statin statins"),
    ("infection", "viral infections"),
    # tests and diagnosis
    ("blood test", "serum level antibodies"),
    ("muscle enzyme", "creatine kinase ck"),
    ("muscle enzymes", "creatine kinase ck"),
    ("scan", "imaging mri"),
    ("electrical", "electromyography emg"),
    ("microscope", "biopsy histopathological"),
    ("tissue sample", "biopsy"),
    ("mistaken", "differential diagnosis mimic"),
    ("confused with", "differential diagnosis mimic"),
    ("negative", "seronegative"),
    ("no antibodies", "seronegative"),
    ("without antibodies", "seronegative"),
    # registries name their codes by a short prefix ("ORPHA:206569", "MIM 612345")
    ("orphanet", "orpha"),
    ("omim", "mim"),
    # treatment
    ("medicine", "drug therapy"),
    ("medicines", "drugs therapies"),
    ("pills", "drug medications"),
    ("steroids", "corticosteroids prednisone"),
    ("cure", "treatment therapy"),
    ("treat", "therapy management"),
    ("iv", "intravenous"),
)
