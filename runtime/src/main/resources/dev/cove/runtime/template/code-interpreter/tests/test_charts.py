"""charts.py on real matplotlib figures (Agg backend): each chart type E2B's SDKs know."""
import os
import sys
import unittest

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from charts import figure_to_chart  # noqa: E402


class ChartsTest(unittest.TestCase):
    def tearDown(self):
        plt.close("all")

    def test_line(self):
        fig, ax = plt.subplots()
        ax.plot([0, 1, 2], [0, 1, 4], label="square")
        ax.plot([0, 1, 2], [0, 1, 2])
        ax.set_title("Growth")
        ax.set_xlabel("Time (s)")
        ax.set_ylabel("Distance [m]")
        chart = figure_to_chart(fig)
        self.assertEqual(chart["type"], "line")
        self.assertEqual(chart["title"], "Growth")
        self.assertEqual((chart["x_unit"], chart["y_unit"]), ("s", "m"))
        self.assertEqual([e["label"] for e in chart["elements"]], ["square", "Line 1"])
        self.assertEqual(chart["elements"][0]["points"], [[0.0, 0.0], [1.0, 1.0], [2.0, 4.0]])
        self.assertEqual(chart["x_scale"], "linear")

    def test_scatter(self):
        fig, ax = plt.subplots()
        ax.scatter([1, 2], [3, 4], label="dots")
        chart = figure_to_chart(fig)
        self.assertEqual(chart["type"], "scatter")
        self.assertEqual(chart["elements"], [{"label": "dots", "points": [[1.0, 3.0], [2.0, 4.0]]}])

    def test_bar_with_categories(self):
        fig, ax = plt.subplots()
        ax.bar(["a", "b", "c"], [3, 5, 2], label="sales")
        chart = figure_to_chart(fig)
        self.assertEqual(chart["type"], "bar")
        self.assertEqual(chart["elements"], [{"label": "a", "group": "sales", "value": 3.0},
                                             {"label": "b", "group": "sales", "value": 5.0},
                                             {"label": "c", "group": "sales", "value": 2.0}])

    def test_pie(self):
        fig, ax = plt.subplots()
        ax.pie([1, 1, 2], labels=["x", "y", "z"])
        chart = figure_to_chart(fig)
        self.assertEqual(chart["type"], "pie")
        self.assertEqual([(e["label"], e["angle"]) for e in chart["elements"]], [("x", 90.0), ("y", 90.0), ("z", 180.0)])
        self.assertEqual(chart["elements"][0]["radius"], 1.0)

    def test_box_and_whisker(self):
        for patch_artist in (False, True):
            with self.subTest(patch_artist=patch_artist):
                fig, ax = plt.subplots()
                ax.boxplot([[1, 2, 3, 4, 5], [2, 4, 6, 8, 30]], labels=["low", "high"], patch_artist=patch_artist)
                self.check_boxes(figure_to_chart(fig))
                plt.close(fig)

    def check_boxes(self, chart):
        self.assertEqual(chart["type"], "box_and_whisker")
        low, high = chart["elements"]
        self.assertEqual((low["label"], low["min"], low["first_quartile"], low["median"], low["third_quartile"],
                          low["max"], low["outliers"]), ("low", 1.0, 2.0, 3.0, 4.0, 5.0, []))
        self.assertEqual((high["label"], high["median"], high["outliers"]), ("high", 6.0, [30.0]))

    def test_superchart_of_several_axes(self):
        fig, (left, right) = plt.subplots(1, 2)
        fig.suptitle("Both")
        left.plot([1, 2], [1, 2])
        right.bar(["a", "b"], [1, 2])
        chart = figure_to_chart(fig)
        self.assertEqual(chart["type"], "superchart")
        self.assertEqual(chart["title"], "Both")
        self.assertEqual([e["type"] for e in chart["elements"]], ["line", "bar"])

    def test_empty_figure_has_no_chart(self):
        fig, _ = plt.subplots()
        self.assertEqual(figure_to_chart(fig), {})


if __name__ == "__main__":
    unittest.main()
