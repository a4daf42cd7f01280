#!/usr/bin/python3
"""A trial with NNI-style nested parameters, read from $PARZEN_PARAMS."""
import json
import os

import numpy as np
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

params = json.loads(os.environ["PARZEN_PARAMS"])  # like nni.get_next_parameter()
choice = params["classifier"]
if choice["_name"] == "svm":
    model = SVC(C=choice["C"], kernel=choice["kernel"])
elif choice["_name"] == "knn":
    model = KNeighborsClassifier(n_neighbors=choice["n_neighbors"], weights=choice["weights"])
else:
    model = DecisionTreeClassifier(max_depth=choice["max_depth"],
                                   min_samples_leaf=int(choice["min_samples_leaf"]), random_state=0)
if params["scale"]:
    model = make_pipeline(StandardScaler(), model)

here = os.path.dirname(os.path.abspath(__file__))
data = np.loadtxt(os.path.join(here, "..", "..", "data", "iris.csv"), delimiter=",", skiprows=1)
print(cross_val_score(model, data[:, :4], data[:, 4].astype(int), cv=5).mean())
